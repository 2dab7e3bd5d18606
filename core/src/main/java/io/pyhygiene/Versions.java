package io.pyhygiene;

/** The version stamped into the jar's manifest by the build. */
public final class Versions {

  private Versions() {}

  public static String current() {
    String v = Versions.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
