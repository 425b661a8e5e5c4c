package golden.other;

import golden.types.Point;
import golden.types.Outer;
import golden.types.Shape;
import golden.basic.IConstants;

/** Uses types of other packages, nested types and their constants. */
interface IImporter {
    const int SIDES = Shape.SIDES * 2;
    const String GREETING = IConstants.CONCAT + "!";
    const long FROM_ENUM = golden.types.LongEnum.BIG;

    Point origin();
    Outer.Middle.Inner inner(in Outer.Middle m);
    Outer.Middle.Inner.Kind kind(Outer.Middle.Inner.Kind k);
    golden.types.Color fullyQualified(in golden.types.Pair<String, Point> p);
    Outer.Either either(in Outer.Either e);
}
