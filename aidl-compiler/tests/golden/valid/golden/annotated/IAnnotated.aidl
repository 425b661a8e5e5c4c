package golden.annotated;

/** Every AOSP annotation in a place where it is allowed. */
@VintfStability
@SensitiveData
@JavaDefault
@JavaDelegator
@EnforcePermission("INTERFACE_PERMISSION")
@JavaPassthrough(annotation="@android.annotation.SystemApi")
@JavaPassthrough(annotation="@android.annotation.Hide")
interface IAnnotated {
    @EnforcePermission(allOf={"READ", "WRITE"}) void guarded();
    @EnforcePermission(anyOf={"A", "B"}) void eitherGuarded();
    @RequiresNoPermission void open();
    @PermissionManuallyEnforced void manual();
    @Hide @UnsupportedAppUsage(maxTargetSdk=30, trackingBug=123456789L) void legacy();
    @SuppressWarnings(value={"inout-parameter"}) void suppress(inout int[] values);
    @JavaSuppressLint({"NewApi"}) void lint();
    @PropagateAllowBlocking IAnnotated self2();
    @Enforce(condition="uid == 1000") void enforced();
    @Hide const int HIDDEN = 1;
}
