interface SyntaxMissingSemi {
    void first(int x)
    void second();
}
