package golden.types;

parcelable Tree {
    String label;
    List<Tree> children;
    Tree[] more;
    @nullable(heap=true) Tree parent;
}
