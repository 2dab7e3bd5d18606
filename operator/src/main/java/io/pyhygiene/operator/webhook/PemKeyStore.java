package io.pyhygiene.operator.webhook;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509KeyManager;

/**
 * A key store holding one PEM certificate chain and its PEM private key, read with the JDK alone.
 * The key may be written as cert-manager, Helm or openssl write it:
 *
 * <ul>
 *   <li>{@code BEGIN PRIVATE KEY}: PKCS#8, RSA, EC or Ed25519 (openssl 3 by default; cert-manager
 *       with {@code privateKey.encoding: PKCS8});
 *   <li>{@code BEGIN RSA PRIVATE KEY}: PKCS#1 (cert-manager's default for RSA, Helm's {@code
 *       genSignedCert}, {@code openssl genrsa -traditional});
 *   <li>{@code BEGIN EC PRIVATE KEY}: SEC1 / RFC 5915 with its named curve (cert-manager's default
 *       for ECDSA, {@code openssl ecparam -genkey}).
 * </ul>
 *
 * <p>PKCS#1 and SEC1 keys are wrapped into PKCS#8 (RFC 5208), the one form {@link KeyFactory}
 * reads: the inner key is unchanged, only the algorithm identifier is put in front of it. Encrypted
 * keys are not supported (a Secret-mounted key is not encrypted).
 */
final class PemKeyStore {

  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

  /** rsaEncryption, 1.2.840.113549.1.1.1, with its NULL parameters, DER-encoded. */
  private static final byte[] RSA_ALGORITHM = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

  /** id-ecPublicKey, 1.2.840.10045.2.1, DER-encoded (the curve follows it). */
  private static final byte[] EC_PUBLIC_KEY = {
    0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01
  };

  /** Protects the key inside the in-memory store only (PKCS#12 wants one). */
  private static final char[] STORE_PASSWORD = "webhook".toCharArray();

  private PemKeyStore() {}

  /** A key manager serving the chain and the key. */
  static X509KeyManager keyManager(Path certFile, Path keyFile)
      throws IOException, GeneralSecurityException {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(load(certFile, keyFile), STORE_PASSWORD);
    for (KeyManager km : kmf.getKeyManagers()) {
      if (km instanceof X509KeyManager x509) {
        return x509;
      }
    }
    throw new GeneralSecurityException("no X.509 key manager in " + kmf.getAlgorithm());
  }

  /** A PKCS#12 key store with the chain and the key under the alias {@code webhook}. */
  static KeyStore load(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
    List<? extends Certificate> chain =
        CertificateFactory.getInstance("X.509")
            .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(certFile)))
            .stream()
            .toList();
    if (chain.isEmpty()) {
      throw new GeneralSecurityException("no certificate in " + certFile);
    }
    PrivateKey key = privateKey(Files.readString(keyFile, StandardCharsets.US_ASCII));
    if (!pair(key, chain.get(0).getPublicKey())) {
      // A rotation caught half-way (one file new, the other old) must not replace a working pair.
      throw new GeneralSecurityException(
          keyFile + " is not the key of the first certificate in " + certFile);
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("webhook", key, STORE_PASSWORD, chain.toArray(new Certificate[0]));
    return store;
  }

  /** Whether the private key signs what the public key verifies. */
  static boolean pair(PrivateKey key, PublicKey publicKey) throws GeneralSecurityException {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm(); // Ed25519, EdDSA
        };
    byte[] probe = "pyhygiene webhook key check".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    try {
      verifier.initVerify(publicKey);
    } catch (InvalidKeyException otherAlgorithm) {
      return false;
    }
    verifier.update(probe);
    return verifier.verify(signature);
  }

  /** The first private key block of a PEM text. */
  static PrivateKey privateKey(String pem) throws GeneralSecurityException {
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      byte[] der = Base64.getMimeDecoder().decode(m.group(2));
      switch (m.group(1)) {
        case "PRIVATE KEY":
          return pkcs8(der);
        case "RSA PRIVATE KEY":
          return KeyFactory.getInstance("RSA")
              .generatePrivate(new PKCS8EncodedKeySpec(pkcs8(RSA_ALGORITHM, der)));
        case "EC PRIVATE KEY":
          byte[] algorithm = sequence(concat(EC_PUBLIC_KEY, curveOf(der)));
          return KeyFactory.getInstance("EC")
              .generatePrivate(new PKCS8EncodedKeySpec(pkcs8(algorithm, der)));
        case "ENCRYPTED PRIVATE KEY":
          throw new GeneralSecurityException("the webhook key is encrypted: mount it unencrypted");
        default:
          // EC PARAMETERS (openssl ecparam writes it first), a certificate: not the key.
      }
    }
    throw new GeneralSecurityException(
        "no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or" + " EC PRIVATE KEY) found");
  }

  /** A PKCS#8 key of whichever algorithm reads it. */
  private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "RSASSA-PSS"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException wrongAlgorithm) {
        // try the next one
      }
    }
    throw new InvalidKeySpecException("a PKCS#8 key of an unsupported algorithm");
  }

  /** PrivateKeyInfo ::= SEQUENCE { version 0, algorithm, privateKey OCTET STRING }. */
  private static byte[] pkcs8(byte[] algorithm, byte[] key) {
    return sequence(concat(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, key)));
  }

  /**
   * The named curve of a SEC1 key: ECPrivateKey ::= SEQUENCE { version INTEGER, privateKey OCTET
   * STRING, parameters [0] OID OPTIONAL, publicKey [1] BIT STRING OPTIONAL }. Returns the OID's
   * encoding (tag, length, value).
   */
  static byte[] curveOf(byte[] sec1) throws GeneralSecurityException {
    Der outer = new Der(sec1, 0);
    if (outer.tag != 0x30) {
      throw new GeneralSecurityException("an EC PRIVATE KEY that is not a DER sequence");
    }
    int at = outer.start;
    while (at < outer.end) {
      Der field = new Der(sec1, at);
      if (field.tag == 0xa0) {
        Der oid = new Der(sec1, field.start);
        if (oid.tag != 0x06) {
          break;
        }
        return java.util.Arrays.copyOfRange(sec1, field.start, oid.end);
      }
      at = field.end;
    }
    throw new GeneralSecurityException(
        "an EC PRIVATE KEY without its named curve (write it with"
            + " openssl ec -param_enc named_curve, or as PKCS#8)");
  }

  /** One DER element: its tag, where its content starts and where it ends. */
  private static final class Der {
    final int tag;
    final int start;
    final int end;

    Der(byte[] b, int at) throws GeneralSecurityException {
      if (at + 2 > b.length) {
        throw new GeneralSecurityException("truncated DER");
      }
      tag = b[at] & 0xff;
      int length = b[at + 1] & 0xff;
      int p = at + 2;
      if (length > 0x80) {
        int n = length & 0x7f;
        if (n > 3 || p + n > b.length) {
          throw new GeneralSecurityException("bad DER length");
        }
        length = 0;
        for (int i = 0; i < n; i++) {
          length = (length << 8) | (b[p++] & 0xff);
        }
      } else if (length == 0x80) {
        throw new GeneralSecurityException("indefinite DER length");
      }
      start = p;
      end = p + length;
      if (end > b.length) {
        throw new GeneralSecurityException("truncated DER");
      }
    }
  }

  private static byte[] sequence(byte[] content) {
    return tlv(0x30, content);
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else if (n < 0x100) {
      out.write(0x81);
      out.write(n);
    } else if (n < 0x10000) {
      out.write(0x82);
      out.write(n >> 8);
      out.write(n);
    } else {
      out.write(0x83);
      out.write(n >> 16);
      out.write(n >> 8);
      out.write(n);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
