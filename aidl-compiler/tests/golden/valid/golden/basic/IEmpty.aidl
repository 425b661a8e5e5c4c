package golden.basic;

/** An interface with no methods at all. */
interface IEmpty {}
