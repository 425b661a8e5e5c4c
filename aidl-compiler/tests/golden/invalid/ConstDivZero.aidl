interface ConstDivZero {
    const int A = 10 / 0;
    const long B = 10L % (5 - 5);
}
