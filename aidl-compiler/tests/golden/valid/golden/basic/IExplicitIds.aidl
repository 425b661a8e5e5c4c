package golden.basic;

interface IExplicitIds {
    void first() = 10;
    int second(int x) = 0;
    oneway void third() = 0x20;
    String fourth() = 16777114;
}
