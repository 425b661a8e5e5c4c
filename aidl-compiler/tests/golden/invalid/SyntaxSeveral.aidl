interface SyntaxSeveral {
    void first(int x)
    void second();
    int third(int y = 3;
    String fourth() = ;
    void fifth();
}
