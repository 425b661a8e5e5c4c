package golden.foreign;

parcelable Foreign cpp_header "foreign.h";
