package io.pyhygiene.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The module's public API is plain Java: no jib, google-http-client or Jackson type leaks out. */
class PublicApiTest {

  private static final List<Class<?>> PUBLIC =
      List.of(
          RegistryResolver.class,
          ResolveRequest.class,
          ResolverOptions.class,
          Resolution.class,
          Resolution.Resolved.class,
          Resolution.Unresolved.class,
          Resolution.Reason.class,
          ImageConfig.class,
          ImageRef.class,
          ReferenceNormaliser.class,
          Platform.class,
          CredentialSource.class,
          RegistryCredential.class,
          DockerConfigCredentials.class,
          PullSecretCredentials.class,
          PullSecretCredentials.PullSecret.class,
          ImageConfigCache.class,
          RegistryLimits.class,
          RegistryListener.class,
          RegistryStats.class);

  @Test
  void noThirdPartyTypeInAPublicSignature() {
    List<String> leaks = new ArrayList<>();
    for (Class<?> c : PUBLIC) {
      for (Method m : c.getDeclaredMethods()) {
        if (Modifier.isPublic(m.getModifiers())) {
          check(c + "." + m.getName(), m.getGenericReturnType(), leaks);
          for (Type t : m.getGenericParameterTypes()) {
            check(c + "." + m.getName(), t, leaks);
          }
        }
      }
      for (Constructor<?> k : c.getDeclaredConstructors()) {
        if (Modifier.isPublic(k.getModifiers())) {
          for (Type t : k.getGenericParameterTypes()) {
            check(c + ".<init>", t, leaks);
          }
        }
      }
      if (c.isRecord()) {
        for (RecordComponent rc : c.getRecordComponents()) {
          check(c + "." + rc.getName(), rc.getGenericType(), leaks);
        }
      }
    }
    assertThat(leaks).isEmpty();
  }

  private static void check(String where, Type type, List<String> leaks) {
    String name = type.getTypeName();
    if (name.contains("com.google.")
        || name.contains("com.fasterxml.")
        || name.contains("org.apache.")) {
      leaks.add(where + ": " + name);
    }
  }
}
