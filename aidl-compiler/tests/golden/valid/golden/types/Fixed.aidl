package golden.types;

@FixedSize
parcelable Fixed {
    int a;
    long[3] b;
    byte[2][2] c;
    Color color;
    FixedInner inner;
}
