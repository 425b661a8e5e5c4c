import golden.foreign.Foreign;

interface UnstructuredNoRustType {
    Foreign get();
}
