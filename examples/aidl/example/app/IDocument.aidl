package example.app;

/** A document object owned by the app that shares it. */
interface IDocument {
    @utf8InCpp String title();
    /** Told by whoever opened it. */
    void markRead(@utf8InCpp String reader);
}
