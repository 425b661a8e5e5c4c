interface DuplicateIds {
    void a() = 1;
    void b() = 1;
    void c() = 16777115;
}
