package golden.annotated;

@VintfStability
@JavaDerive(toString=true, equals=true)
@JavaOnlyImmutable
parcelable Stable {
    @Hide int a;
    @JavaPassthrough(annotation="@Deprecated") long b;
}
