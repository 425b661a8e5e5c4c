@Vintf
interface UnknownAnnotation {
    @nullable(heep=true) String name();
    @Backing(type="short") void m();
}
