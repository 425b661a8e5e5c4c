package golden.types;

interface IUsesNative {
    Native roundTrip(in Native n);
    void fill(out Native n);
}
