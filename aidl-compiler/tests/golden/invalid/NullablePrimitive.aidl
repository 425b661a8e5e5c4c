import golden.types.Color;

interface NullablePrimitive {
    @nullable int count(@nullable boolean flag, @nullable Color c);
}
