package example.hello;

/** The smallest service: one method. */
interface IHello {
    /** A greeting for `name`, signed with the server's pid. */
    String sayHello(String name);
}
