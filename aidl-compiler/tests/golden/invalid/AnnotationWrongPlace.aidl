@Backing(type="int")
interface AnnotationWrongPlace {
    @FixedSize void m();
    @Descriptor(value="x") const int C = 1;
}
