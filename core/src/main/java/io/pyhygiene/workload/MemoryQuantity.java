package io.pyhygiene.workload;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.OptionalLong;

/**
 * A memory quantity as written ({@code 512Mi}) and in bytes when it parses.
 *
 * @param raw the quantity as written
 * @param bytes its value in bytes, empty when it does not parse
 */
public record MemoryQuantity(String raw, OptionalLong bytes) {

  public static MemoryQuantity of(Quantity q) {
    if (q == null) {
      return null;
    }
    String raw = q.toString();
    try {
      BigDecimal amount = Quantity.getAmountInBytes(q);
      if (amount.signum() < 0 || amount.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
        return new MemoryQuantity(raw, OptionalLong.empty());
      }
      return new MemoryQuantity(raw, OptionalLong.of(amount.longValue()));
    } catch (RuntimeException e) {
      return new MemoryQuantity(raw, OptionalLong.empty());
    }
  }

  public static MemoryQuantity parse(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return of(new Quantity(text.trim()));
    } catch (RuntimeException e) {
      return new MemoryQuantity(text, OptionalLong.empty());
    }
  }

  /**
   * Formats bytes the way Kubernetes users write them: {@code 128Mi}, {@code 1Gi}, {@code 1500000}.
   */
  public static String format(long bytes) {
    String[] units = {"Ki", "Mi", "Gi", "Ti", "Pi"};
    long value = bytes;
    String unit = "";
    for (String u : units) {
      if (value == 0 || value % 1024 != 0) {
        break;
      }
      value /= 1024;
      unit = u;
    }
    return value + unit;
  }
}
