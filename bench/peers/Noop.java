/* Start-up probe for bench/peers/startup.py: the JVM's own floor (boot, load one class, exit). */
public final class Noop {

  private Noop() {}

  public static void main(String[] args) {}
}
