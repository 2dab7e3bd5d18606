package io.pyhygiene.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Webhook keys in every form cert-manager, Helm and openssl write, read with the JDK alone. The
 * keys come from the openssl CLI, not from Java, so the test does not share the code's idea of what
 * PKCS#1 or SEC1 look like.
 */
class PemKeyStoreTest {

  @TempDir Path dir;

  void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("openssl %s: %s", String.join(" ", args), out).isZero();
  }

  /** A key written by {@code command} to key.pem, and a self-signed certificate for it. */
  void keyAndCert(String command) throws Exception {
    openssl(command.split(" "));
    openssl(
        "req",
        "-x509",
        "-key",
        "key.pem",
        "-out",
        "cert.pem",
        "-days",
        "1",
        "-subj",
        "/CN=webhook");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      PKCS#8 RSA (openssl 3 default)     | genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem | BEGIN PRIVATE KEY     | RSA
      PKCS#1 RSA (cert-manager, Helm)    | genrsa -traditional -out key.pem 2048                              | BEGIN RSA PRIVATE KEY | RSA
      SEC1 EC with EC PARAMETERS block   | ecparam -name prime256v1 -genkey -out key.pem                      | BEGIN EC PRIVATE KEY  | EC
      SEC1 EC P-384 (cert-manager ECDSA) | ecparam -name secp384r1 -genkey -noout -out key.pem                | BEGIN EC PRIVATE KEY  | EC
      PKCS#8 EC                          | genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem | BEGIN PRIVATE KEY    | EC
      PKCS#8 Ed25519                     | genpkey -algorithm ED25519 -out key.pem                            | BEGIN PRIVATE KEY     | EdDSA
      """)
  void readsTheKeyAndItsCertificate(String form, String command, String header, String algorithm)
      throws Exception {
    keyAndCert(command);
    assertThat(Files.readString(dir.resolve("key.pem"))).as(form).contains(header);

    KeyStore store = PemKeyStore.load(dir.resolve("cert.pem"), dir.resolve("key.pem"));
    PrivateKey key = (PrivateKey) store.getKey("webhook", "webhook".toCharArray());
    assertThat(key.getAlgorithm()).isIn(algorithm, "Ed25519");
    X509Certificate cert = (X509Certificate) store.getCertificateChain("webhook")[0];
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=webhook");
    assertThat(PemKeyStore.pair(key, cert.getPublicKey())).isTrue();
    assertThat(
            PemKeyStore.keyManager(dir.resolve("cert.pem"), dir.resolve("key.pem"))
                .getCertificateChain("webhook"))
        .hasSize(1);
  }

  @Test
  void aKeyThatDoesNotMatchTheCertificateIsRefused() throws Exception {
    keyAndCert("genrsa -traditional -out key.pem 2048");
    openssl("genrsa", "-traditional", "-out", "key.pem", "2048"); // rotated half-way
    assertThatThrownBy(() -> PemKeyStore.load(dir.resolve("cert.pem"), dir.resolve("key.pem")))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("is not the key of the first certificate");
  }

  @Test
  void anEncryptedKeyOrNoKeyIsNamed() throws Exception {
    keyAndCert("genrsa -traditional -out key.pem 2048");
    openssl("pkcs8", "-topk8", "-in", "key.pem", "-out", "encrypted.pem", "-passout", "pass:x");
    assertThatThrownBy(() -> PemKeyStore.privateKey(Files.readString(dir.resolve("encrypted.pem"))))
        .hasMessageContaining("encrypted");
    assertThatThrownBy(() -> PemKeyStore.privateKey(Files.readString(dir.resolve("cert.pem"))))
        .hasMessageContaining("no PEM private key");
  }

  @Test
  void anEcKeyWithoutItsCurveIsNamed() throws Exception {
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "key.pem");
    // explicit parameters instead of a named curve: no OID to wrap the key with
    openssl("ec", "-in", "key.pem", "-param_enc", "explicit", "-out", "explicit.pem");
    assertThatThrownBy(() -> PemKeyStore.privateKey(Files.readString(dir.resolve("explicit.pem"))))
        .hasMessageContaining("named curve");
  }
}
