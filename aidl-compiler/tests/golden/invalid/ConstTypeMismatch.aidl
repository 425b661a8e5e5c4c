interface ConstTypeMismatch {
    const int A = "text";
    const String B = 1 + 2;
    const boolean C = 1;
    const int D = "a" - "b";
    const int[] E = {1};
}
