import golden.types.Missing;
import golden.types.Point;

interface UnresolvedImport {
    Point get();
}
