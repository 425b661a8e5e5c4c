import golden.types.Color;

parcelable UnknownConstRef {
    int a = NOT_DEFINED;
    Color c = Color.PURPLE;
    int d = Nowhere.X;
    const int SELF = SELF + 1;
}
