package golden.types;

/** Default backing: byte. */
enum Color {
    RED,
    /** Green. */
    GREEN,
    BLUE,
}
