package io.pyhygiene.operator.reconciler;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.pyhygiene.operator.memory.StringPool;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Set;

/**
 * Makes a cached fabric8 object share what it repeats with every other cached object: one empty map
 * for the model's empty {@code additionalProperties} maps (and for the empty leaves of a
 * managedFields entry's field set, also held in one), and one instance of each string ({@link
 * StringPool}).
 *
 * <p>Why: each model object allocates its own {@code LinkedHashMap} for fields the model does not
 * know, almost always empty. A cached Deployment is some 40 model objects; at 10,000 Deployments
 * those empty maps were 24 MiB of a 126 MiB live heap (436k LinkedHashMaps in a class histogram of
 * the operator, scripts/bench.sh's memory part). With them shared, strings were the largest part
 * left: 874k Strings and their 884k byte arrays, 65 MiB of 144 (the same histogram), nearly all
 * copies of the same values parsed for each object: apiVersions, label keys and values (a
 * Deployment's name is its label, its selector and its template's label), images, commands,
 * condition reasons, managers, timestamps of the same second.
 *
 * <p>Cached objects are read, never changed, so an unmodifiable map is safe where an empty one was.
 * The walk changes only fields of model objects and the entries of {@link ArrayList}s and {@link
 * HashMap}s (what Jackson and the model create): a map or list of another kind ({@code Map.of},
 * unmodifiable views) is left as it is, its elements walked. Labels, annotations and every other
 * map stay modifiable. It runs on every watch event, before the object is stored and handed to
 * anyone: cheap (a few hundred reflective reads, {@code Map.forEach} rather than views a map would
 * keep) and touching nothing else.
 *
 * <p>Not pooled: {@code resourceVersion} (unique to every version of every object: pooling it would
 * only add a pool entry per event), a terminated container's {@code containerID} (unique, held
 * nowhere else) and an EnvVar's value (env values are kept nowhere but where the object keeps
 * them). Uids and timestamps are: a uid is also its children's owner reference (a Deployment's
 * ReplicaSets, a ReplicaSet's Pods), a timestamp is shared by everything changed in that second.
 */
final class SharedValues {

  private static final String EXTENSION = "additionalProperties";
  private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";

  /**
   * Per class: its fields that can hold strings, model objects or their maps and lists (incl.
   * inherited); none for a class outside the model.
   */
  private static final ClassValue<List<Field>> FIELDS =
      new ClassValue<>() {
        @Override
        protected List<Field> computeValue(Class<?> type) {
          if (!type.getName().startsWith(MODEL_PACKAGE)) {
            return List.of();
          }
          List<Field> out = new ArrayList<>();
          for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
              if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                continue;
              }
              Class<?> t = f.getType();
              if (t.isEnum() || t == Boolean.class || Number.class.isAssignableFrom(t)) {
                continue;
              }
              if (t == String.class && !pooled(c, f.getName())) {
                continue;
              }
              f.setAccessible(true);
              out.add(f);
            }
          }
          return List.copyOf(out);
        }
      };

  private static boolean pooled(Class<?> owner, String field) {
    return !field.equals("resourceVersion")
        && !field.equals("containerID")
        && !(owner == EnvVar.class && field.equals("value"));
  }

  private SharedValues() {}

  /** Shares the empty maps and strings of {@code root} and every model object it reaches. */
  static <T> T in(T root, StringPool strings) {
    new Walk(strings).value(root, false);
    return root;
  }

  private static final class Walk {
    private final StringPool strings;
    private final Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean keysPooled;

    Walk(StringPool strings) {
      this.strings = strings;
    }

    /**
     * What to hold instead of {@code v}: its pooled string, the shared empty map for an empty map
     * in an extension map ({@code extension}), else {@code v}, walked.
     */
    Object value(Object v, boolean extension) {
      if (v instanceof String s) {
        return strings.of(s);
      }
      if (extension && v instanceof Map<?, ?> m && m.isEmpty()) {
        return Map.of();
      }
      if (v == null || !seen.add(v)) {
        return v;
      }
      if (v instanceof Map<?, ?> m) {
        map(m, extension);
      } else if (v instanceof List<?> l) {
        list(l, extension);
      } else if (v instanceof Collection<?> c) {
        c.forEach(e -> value(e, extension)); // a set: its elements cannot be replaced in place
      } else {
        model(v);
      }
      return v;
    }

    private void model(Object o) {
      try {
        for (Field f : FIELDS.get(o.getClass())) {
          Object v = f.get(o);
          Object shared = value(v, EXTENSION.equals(f.getName()));
          if (shared != v) {
            f.set(o, shared);
          }
        }
      } catch (IllegalAccessException e) {
        throw new IllegalStateException("cannot read " + o.getClass().getName(), e);
      }
    }

    @SuppressWarnings("unchecked")
    private void map(Map<?, ?> map, boolean extension) {
      if (!(map instanceof HashMap<?, ?>)) {
        map.forEach((k, v) -> value(v, extension));
        return;
      }
      Map<Object, Object> m = (Map<Object, Object>) map;
      poolKeys(m);
      m.replaceAll((k, v) -> value(v, extension)); // sets values in place: no rehash, no views
    }

    /**
     * Keys parsed by Jackson are pooled already (it interns field names); a map built otherwise is
     * rebuilt in its own order (clear and put keeps a LinkedHashMap's order and a HashMap's table).
     */
    private void poolKeys(Map<Object, Object> m) {
      keysPooled = true;
      m.forEach(
          (k, v) -> {
            if (k instanceof String s && strings.of(s) != s) {
              keysPooled = false;
            }
          });
      if (keysPooled) {
        return;
      }
      List<Object> entries = new ArrayList<>(2 * m.size());
      m.forEach(
          (k, v) -> {
            entries.add(k instanceof String s ? strings.of(s) : k);
            entries.add(v);
          });
      m.clear();
      for (int i = 0; i < entries.size(); i += 2) {
        m.put(entries.get(i), entries.get(i + 1));
      }
    }

    @SuppressWarnings("unchecked")
    private void list(List<?> list, boolean extension) {
      if (!(list instanceof ArrayList<?>)) {
        list.forEach(e -> value(e, extension));
        return;
      }
      for (ListIterator<Object> it = ((List<Object>) list).listIterator(); it.hasNext(); ) {
        Object e = it.next();
        Object shared = value(e, extension);
        if (shared != e) {
          it.set(shared);
        }
      }
    }
  }
}
