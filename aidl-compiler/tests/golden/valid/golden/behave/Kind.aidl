package golden.behave;

@Backing(type="int")
enum Kind { SMALL = 1, LARGE = 100 }
