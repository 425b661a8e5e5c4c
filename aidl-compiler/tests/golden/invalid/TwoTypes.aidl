interface TwoTypes {}
parcelable Another {}
