package golden.types;

@Backing(type="long")
enum LongEnum {
    SMALL = 0x8000000000000000,
    MINUS_ONE = 0xFFFFFFFFFFFFFFFF,
    ZERO = 0,
    BIG = 0x7FFFFFFFFFFFFFFF,
}
