package example.app;

/**
 * A key-value store that persists every write to a file before it answers, so a
 * write that returned survives a crash of the store.
 */
interface IKeyValueStore {
    /** Keys and values are one line each (no tab, no newline). */
    void put(@utf8InCpp String key, @utf8InCpp String value);
    @nullable @utf8InCpp String get(@utf8InCpp String key);
    /** Every key starting with `prefix`, sorted. */
    @utf8InCpp String[] keys(@utf8InCpp String prefix);
}
