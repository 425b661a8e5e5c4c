package golden.basic;

/** @deprecated talk to IPrimitives instead */
interface IDeprecated {
    /**
     * Old.
     * @deprecated
     */
    void old();
    void current();
}
