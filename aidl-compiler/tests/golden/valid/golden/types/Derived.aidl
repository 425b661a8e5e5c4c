package golden.types;

@RustDerive(Copy=true, Clone=true, PartialEq=true, Eq=true, Hash=true, PartialOrd=true, Ord=true)
parcelable Derived {
    int a;
    long b;
    Color c;
}
