package golden.types;

@FixedSize
union FixedInner {
    int i;
    double d;
}
