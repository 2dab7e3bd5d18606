package io.pyhygiene.registry;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.ManifestAndDigest;
import com.google.cloud.tools.jib.registry.RegistryClient;
import io.pyhygiene.registry.CredentialSource.CredentialException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One resolution's conversation with one registry, through jib-core's {@link RegistryClient}.
 * Everything jib is kept in this class.
 *
 * <p>What jib does here, and how it is configured:
 *
 * <ul>
 *   <li>Transport: a {@link FailoverHttpClient} per session. With {@code
 *       enableHttpAndInsecureFailover} (loopback and listed insecure registries) it tries HTTPS,
 *       then HTTPS without certificate checks, then plain HTTP: Docker's insecure-registry
 *       behaviour. Otherwise HTTPS with verification only. Credentials go over plain HTTP only to
 *       loopback registries ({@code sendAuthorizationOverHttp}). The client keeps every transport
 *       it creates until {@code shutDown()}, so it must not outlive the session.
 *   <li>Auth: anonymous first; on 401 the {@code WWW-Authenticate} challenge decides (jib's {@code
 *       authPullByWwwAuthenticate}: Bearer token exchange, also anonymous, or Basic), trying each
 *       credential the source offers in turn, as the kubelet tries pull secrets.
 *   <li>Manifests: {@code pullManifest} GETs with every media type in Accept and parses Docker
 *       v2.2, OCI, manifest lists and OCI indexes; the digest is computed from the bytes. It has no
 *       HEAD request, so a tag re-check after the TTL is one manifest GET.
 *   <li>Timeouts: jib's per-request timeout is a JVM-wide system property ({@code jib.httpTimeout},
 *       20 s) and it retries I/O errors with back-off. Rather than set a global property, {@link
 *       #abort} (run by the resolver's watchdog) interrupts the thread and shuts the transports
 *       down, again every 100 ms until the step returns, so a transport created by a retry or a
 *       failover after the first shut-down is closed too.
 * </ul>
 */
final class JibRegistrySession implements AutoCloseable {

  /**
   * Whether jib's manifest parser ignores unknown JSON properties. The OCI image spec says readers
   * must; jib-core 0.27.3's descriptor templates instead fail on OCI 1.1's {@code artifactType} in
   * an index ("Unrecognized field", jib issue 4506, fixed in 0.28.2, which Maven Central does not
   * serve here). jib offers no setting for it, so its one shared mapper is told to ignore unknown
   * properties. If that ever fails (a jib without the field), parsing stays strict and such indexes
   * resolve to ERROR with jib's message.
   */
  static final boolean LENIENT_MANIFESTS = lenientManifests();

  private static boolean lenientManifests() {
    try {
      java.lang.reflect.Field f =
          com.google.cloud.tools.jib.json.JsonTemplateMapper.class.getDeclaredField("objectMapper");
      f.setAccessible(true);
      ((com.fasterxml.jackson.databind.ObjectMapper) f.get(null))
          .configure(
              com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
              false);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /** A call against a registry client. */
  interface Call<T> {
    T run(RegistryClient client) throws IOException, RegistryException;
  }

  private final ImageRef ref;
  private final CredentialSource credentials;
  private final FailoverHttpClient http;
  private final RegistryClient.Factory factory;
  private final ScheduledExecutorService scheduler;
  private RegistryClient client;
  private boolean authTried;
  private int credentialsTried;

  // the step in progress and whether the watchdog ended it; guarded by this
  private Thread stepThread;
  private boolean aborted;

  JibRegistrySession(
      ImageRef ref,
      boolean insecure,
      String userAgent,
      CredentialSource credentials,
      ScheduledExecutorService scheduler) {
    this.ref = ref;
    this.credentials = credentials;
    this.scheduler = scheduler;
    this.http = httpClient(insecure, ref.isLoopback());
    this.factory =
        RegistryClient.factory(EventHandlers.NONE, ref.apiHost(), ref.repository(), http)
            .setUserAgent(userAgent);
    this.client = factory.newRegistryClient();
  }

  /**
   * A FailoverHttpClient without jib's retries. jib's public constructor retries every I/O error
   * with exponential back-off (up to 10 times, about a minute): built for image pushes, it turns a
   * refused connection or a TLS failure into a TIMEOUT at the request deadline and hides the cause.
   * The constructor that turns retries off exists but is package-private (@VisibleForTesting), so
   * it is called reflectively; if that fails, the public one is used and the resolver's watchdog
   * still bounds every request. The resolver does not retry within a resolution: a failure is
   * cached for the negative TTL and the next audit asks again.
   */
  static FailoverHttpClient httpClient(boolean insecure, boolean sendCredentialsOverHttp) {
    java.util.function.Consumer<com.google.cloud.tools.jib.api.LogEvent> quiet = logEvent -> {};
    if (NO_RETRY != null) {
      try {
        return NO_RETRY.newInstance(insecure, sendCredentialsOverHttp, quiet, false);
      } catch (ReflectiveOperationException | RuntimeException e) {
        // fall through to the public constructor
      }
    }
    return new FailoverHttpClient(insecure, sendCredentialsOverHttp, quiet);
  }

  static final java.lang.reflect.Constructor<FailoverHttpClient> NO_RETRY = noRetryConstructor();

  private static java.lang.reflect.Constructor<FailoverHttpClient> noRetryConstructor() {
    try {
      java.lang.reflect.Constructor<FailoverHttpClient> c =
          FailoverHttpClient.class.getDeclaredConstructor(
              boolean.class, boolean.class, java.util.function.Consumer.class, boolean.class);
      c.setAccessible(true);
      return c;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  ManifestAndDigest<ManifestTemplate> pullManifest(String qualifier) throws Exception {
    return withAuth(c -> c.pullManifest(qualifier));
  }

  /** The blob's bytes, refused past {@code maxBytes} (checked again while reading). */
  byte[] pullBlob(DescriptorDigest digest, long maxBytes) throws Exception {
    return withAuth(
        c -> {
          BoundedBuffer out = new BoundedBuffer(maxBytes);
          c.pullBlob(digest, size -> {}, written -> {}).writeTo(out);
          return out.toByteArray();
        });
  }

  /** How many credentials were offered to the registry (for messages). */
  int credentialsTried() {
    return credentialsTried;
  }

  private <T> T withAuth(Call<T> call) throws Exception {
    try {
      return call.run(client);
    } catch (IOException | RegistryException e) {
      RegistryUnauthorizedException unauthorized = find(e, RegistryUnauthorizedException.class);
      if (unauthorized == null
          || authTried
          || unauthorized.getHttpResponseException().getStatusCode() != 401) {
        throw e;
      }
      authTried = true;
      String challenge = unauthorized.getHttpResponseException().getHeaders().getAuthenticate();
      boolean bearer = challenge != null && challenge.toLowerCase(Locale.ROOT).startsWith("bearer");
      List<RegistryCredential> candidates = new ArrayList<>(lookupCredentials());
      if (candidates.isEmpty() && bearer) {
        candidates.add(null); // an anonymous token, as for Docker Hub's public images
      }
      Exception last = e;
      for (RegistryCredential credential : candidates) {
        RegistryClient authed = factory.setCredential(toJib(credential)).newRegistryClient();
        if (credential != null) {
          credentialsTried++;
        }
        try {
          if (challenge != null) {
            authed.authPullByWwwAuthenticate(challenge);
          } else if (credential != null && !credential.isIdentityToken()) {
            authed.configureBasicAuth();
          }
          T result = call.run(authed);
          client = authed;
          return result;
        } catch (IOException | RegistryException again) {
          // refused by the registry, or by its token server: the next credential may do
          if (find(again, RegistryUnauthorizedException.class) == null
              && find(again, RegistryAuthenticationFailedException.class) == null) {
            throw again;
          }
          last = again;
        }
      }
      throw last;
    }
  }

  private List<RegistryCredential> lookupCredentials() throws CredentialException {
    return credentials.lookup(ref);
  }

  private static Credential toJib(RegistryCredential c) {
    // jib's Credential.toString prints the password: these objects never reach a log or a message.
    return c == null ? null : Credential.from(c.username(), c.secret());
  }

  static <E extends Throwable> E find(Throwable t, Class<E> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  /** Marks the calling thread as running a step that {@link #abort} may end. */
  synchronized void beginStep() {
    stepThread = Thread.currentThread();
  }

  /**
   * Ends the step; clears an interrupt the watchdog may have delivered, so the pooled thread goes
   * back clean.
   */
  synchronized void endStep() {
    stepThread = null;
    Thread.interrupted();
  }

  synchronized boolean aborted() {
    return aborted;
  }

  /**
   * Ends the running step: interrupt (stops jib's retry back-off) and close its sockets, until it
   * returns.
   */
  void abort() {
    synchronized (this) {
      if (stepThread == null) {
        return;
      }
      aborted = true;
      stepThread.interrupt();
    }
    shutDownUntilStepEnds();
  }

  private void shutDownUntilStepEnds() {
    try {
      http.shutDown();
    } catch (IOException | RuntimeException ignored) {
      // closing sockets under a running request can fail; the next round tries again
    }
    synchronized (this) {
      if (stepThread != null && !scheduler.isShutdown()) {
        scheduler.schedule(this::shutDownUntilStepEnds, 100, TimeUnit.MILLISECONDS);
      }
    }
  }

  @Override
  public void close() {
    try {
      http.shutDown();
    } catch (IOException ignored) {
      // nothing is left to read from a closed session
    }
  }

  /**
   * Collects a blob, refusing to grow past a bound (a config blob is small; a huge one is an
   * error).
   */
  private static final class BoundedBuffer extends OutputStream {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final long max;

    BoundedBuffer(long max) {
      this.max = max;
    }

    @Override
    public void write(int b) throws IOException {
      check(1);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      check(len);
      out.write(b, off, len);
    }

    private void check(int more) throws IOException {
      if (out.size() + (long) more > max) {
        throw new BlobTooLargeException(max);
      }
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }

  /** A config blob over the configured bound. */
  static final class BlobTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    BlobTooLargeException(long max) {
      super("config blob larger than " + max + " bytes");
    }
  }
}
