package io.pyhygiene.operator.reconciler;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replaces the empty {@code additionalProperties} map every fabric8 model object carries with one
 * shared empty map, and so the empty leaves of a managedFields entry's field set (also held in an
 * {@code additionalProperties} map).
 *
 * <p>Why: each model object allocates its own {@code LinkedHashMap} for fields the model does not
 * know, almost always empty. A cached Deployment is some 40 model objects; at 10,000 Deployments
 * those empty maps were 24 MiB of a 126 MiB live heap (436k LinkedHashMaps in a class histogram of
 * the operator, scripts/bench.sh's memory part). Cached objects are read, never changed, so an
 * unmodifiable map is safe there; labels, annotations and every other map are left as they are.
 */
final class SharedEmptyMaps {

  private static final String FIELD = "additionalProperties";
  private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";

  /** Per model class: its fields that can hold model objects or their maps (incl. inherited). */
  private static final ClassValue<List<Field>> FIELDS =
      new ClassValue<>() {
        @Override
        protected List<Field> computeValue(Class<?> type) {
          List<Field> out = new ArrayList<>();
          for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
              if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                continue;
              }
              Class<?> t = f.getType();
              if (t == String.class || t.isEnum() || Number.class.isAssignableFrom(t)) {
                continue;
              }
              f.setAccessible(true);
              out.add(f);
            }
          }
          return List.copyOf(out);
        }
      };

  private SharedEmptyMaps() {}

  /** Shares the empty maps of {@code root} and every model object it reaches; returns it. */
  static <T> T in(T root) {
    visit(root, Collections.newSetFromMap(new IdentityHashMap<>()));
    return root;
  }

  private static void visit(Object o, Set<Object> seen) {
    if (o == null || !seen.add(o)) {
      return;
    }
    if (o instanceof Collection<?> items) {
      items.forEach(i -> visit(i, seen));
      return;
    }
    if (o instanceof Map<?, ?> map) {
      map.values().forEach(v -> visit(v, seen));
      return;
    }
    if (!o.getClass().getName().startsWith(MODEL_PACKAGE)) {
      return;
    }
    try {
      for (Field f : FIELDS.get(o.getClass())) {
        Object value = f.get(o);
        if (FIELD.equals(f.getName()) && value instanceof Map<?, ?> extra) {
          if (extra.isEmpty()) {
            f.set(o, Map.of());
          } else {
            shareEmptyLeaves(extra);
          }
        } else {
          visit(value, seen);
        }
      }
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read " + o.getClass().getName(), e);
    }
  }

  /** A field set's leaves are empty maps ({@code "f:name": {}}): one shared map for all. */
  @SuppressWarnings("unchecked")
  private static void shareEmptyLeaves(Map<?, ?> map) {
    try {
      ((Map<Object, Object>) map)
          .replaceAll(
              (k, v) -> {
                if (v instanceof Map<?, ?> inner) {
                  if (inner.isEmpty()) {
                    return Map.of();
                  }
                  shareEmptyLeaves(inner);
                }
                return v;
              });
    } catch (UnsupportedOperationException e) {
      // an unmodifiable map: not one Jackson made, left as it is
    }
  }
}
