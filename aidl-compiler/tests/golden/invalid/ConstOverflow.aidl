interface ConstOverflow {
    const int A = 2147483647 + 1;
    const byte B = 128;
    const long C = 0x7FFFFFFFFFFFFFFF * 2;
    const int D = 1 << 32;
    const int E = 99999999999999999999;
}
