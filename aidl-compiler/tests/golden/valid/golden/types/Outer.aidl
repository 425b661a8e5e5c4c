package golden.types;

/** Nested types, three levels deep, referring to each other. */
parcelable Outer {
    Middle middle;
    Middle.Inner.Kind kind = Middle.Inner.Kind.TWO;

    parcelable Middle {
        Inner inner;
        parcelable Inner {
            Kind kind;
            Outer.Middle.Inner.Kind again;
            enum Kind { ONE, TWO }
        }
    }

    union Either {
        Middle middle;
        Point point;
    }
}
