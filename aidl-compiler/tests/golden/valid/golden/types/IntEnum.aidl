package golden.types;

@Backing(type="int")
enum IntEnum {
    A = 1,
    B = A << 4,
    C,
    D = B | C,
    E = -1,
    F,
}
