package golden.annotated;

@VintfStability
@Backing(type="int")
enum StableEnum {
    @Hide A,
    B,
}
