interface MixedIds {
    void a() = 1;
    void b();
    void c();
}
