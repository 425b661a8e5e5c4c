enum EnumOutOfRange {
    A = 100,
    B,
    C = A + 100,
}
