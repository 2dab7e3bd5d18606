package io.pyhygiene.operator.webhook;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the webhook's certificate from PEM files and picks up new files (cert-manager or the chart
 * rotating them) on the next handshake, without a restart. The files are read with the JDK alone
 * ({@link PemKeyStore}: PKCS#8, PKCS#1 RSA and SEC1 EC keys).
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {

  private static final Logger LOG = LoggerFactory.getLogger(ReloadingKeyManager.class);
  private static final long CHECK_EVERY_NANOS = 2_000_000_000L;

  private final Path certFile;
  private final Path keyFile;
  private volatile X509KeyManager delegate;
  private volatile FileTime certTime;
  private volatile FileTime keyTime;
  private volatile long lastCheck;

  ReloadingKeyManager(Path certFile, Path keyFile) throws Exception {
    this.certFile = certFile;
    this.keyFile = keyFile;
    load();
  }

  private synchronized void load() throws Exception {
    FileTime c = Files.getLastModifiedTime(certFile);
    FileTime k = Files.getLastModifiedTime(keyFile);
    delegate = PemKeyStore.keyManager(certFile, keyFile);
    certTime = c;
    keyTime = k;
  }

  private X509KeyManager current() {
    long now = System.nanoTime();
    if (now - lastCheck > CHECK_EVERY_NANOS) {
      lastCheck = now;
      try {
        if (!Files.getLastModifiedTime(certFile).equals(certTime)
            || !Files.getLastModifiedTime(keyFile).equals(keyTime)) {
          load();
          LOG.info("reloaded the webhook certificate from {}", certFile);
        }
      } catch (Exception e) {
        LOG.warn(
            "could not reload the webhook certificate, keeping the current one: {}", e.toString());
      }
    }
    return delegate;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return current().getClientAliases(keyType, issuers);
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return current().chooseClientAlias(keyType, issuers, socket);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return current().getServerAliases(keyType, issuers);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return current().chooseServerAlias(keyType, issuers, socket);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return current().chooseServerAlias(keyType, issuers, null);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return current().getCertificateChain(alias);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return current().getPrivateKey(alias);
  }
}
