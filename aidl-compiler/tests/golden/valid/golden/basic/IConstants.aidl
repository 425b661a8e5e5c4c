package golden.basic;

interface IConstants {
    const boolean TRUE = true;
    const boolean LOGIC = !false && (1 < 2 || 3 >= 4);
    const byte BYTE = -128;
    const byte BYTE_HEX = 0xFFu8;
    const char CHAR = 'x';
    const int INT = 1 + 2 * 3 - (4 / 2) % 3;
    const int HEX = 0xFFFFFFFF;
    const int SHIFT = 1 << 31;
    const int BITS = (0xF0 | 0x0F) & ~0x3 ^ 0x100;
    const int TERNARY = INT > 5 ? INT : -INT;
    const int MIN_INT = -2147483648;
    const long LONG = 1L << 40;
    const long BIG_HEX = 0x7FFFFFFFFFFFFFFF;
    const long WIDE = 2147483647 + 1L;
    const float FLOAT = 1.5f;
    const float FLOAT_EXPR = 1.5f * 2;
    const double DOUBLE = 2.5e-3;
    const double NEG_DOUBLE = -0.125;
    const String STRING = "hello";
    const String CONCAT = STRING + ", " + "world";
    const String ESCAPED = "tab\there \"quoted\"";
    const int FROM_OTHER = golden.types.IntEnum.B + 0;
}
