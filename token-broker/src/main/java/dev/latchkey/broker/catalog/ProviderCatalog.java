package dev.latchkey.broker.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The provider catalog: the built-in {@code catalog/providers.yaml} plus, optionally, a deployment directory of
 * {@code *.yaml}, {@code *.yml} and {@code *.json} files that add providers or replace built-in ones by id (whole
 * entries, no merging). Files are applied in file-name order, so a later file wins.
 *
 * <p>Every entry is validated against {@code catalog/provider.schema.json} and then by the semantic checks; any
 * problem anywhere fails the whole load with a {@link CatalogException} that names the file, the provider id and
 * the field's JSON pointer. Immutable once loaded.
 */
public final class ProviderCatalog {

    /** Classpath location of the built-in catalog. */
    public static final String BUILT_IN_RESOURCE = "catalog/providers.yaml";

    private static final Pattern PROVIDER_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern VERSION = Pattern.compile("[0-9]{1,6}\\.[0-9]{1,6}\\.[0-9]{1,6}");
    private static final long MAX_FILE_BYTES = 4L * 1024 * 1024;

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final String catalogVersion;
    private final Map<String, Provider> providers;
    private final Map<String, String> sources;
    private final List<String> overridden;

    /** Only the built-in catalog. */
    public ProviderCatalog() {
        this(null);
    }

    /**
     * The built-in catalog plus every catalog file in {@code deploymentDirectory}.
     *
     * @param deploymentDirectory a directory of catalog files, or null for the built-in catalog alone
     * @throws CatalogException when a file cannot be read or any entry is invalid
     */
    public ProviderCatalog(Path deploymentDirectory) {
        CatalogSchema schema = CatalogSchema.load();
        List<CatalogViolation> violations = new ArrayList<>();
        Map<String, Provider> merged = new LinkedHashMap<>();
        Map<String, String> origin = new LinkedHashMap<>();
        List<String> replaced = new ArrayList<>();

        String builtInSource = "built-in " + BUILT_IN_RESOURCE;
        JsonNode builtIn = readBuiltIn();
        String version = loadFile(builtInSource, builtIn, true, schema, violations, merged, origin, replaced);

        if (deploymentDirectory != null) {
            for (Path file : deploymentFiles(deploymentDirectory)) {
                String source = file.toString();
                JsonNode root = readFile(file);
                loadFile(source, root, false, schema, violations, merged, origin, replaced);
            }
        }
        if (!violations.isEmpty()) {
            throw new CatalogException(violations);
        }
        this.catalogVersion = version;
        this.providers = Collections.unmodifiableMap(new TreeMap<>(merged));
        this.sources = Map.copyOf(origin);
        this.overridden = List.copyOf(replaced);
    }

    /** The built-in catalog's {@code catalogVersion}. */
    public String catalogVersion() {
        return catalogVersion;
    }

    /** The provider with this id, if any. */
    public Optional<Provider> find(String id) {
        return Optional.ofNullable(providers.get(id));
    }

    /**
     * The provider with this id.
     *
     * @throws NoSuchElementException when the catalog has none
     */
    public Provider get(String id) {
        Provider provider = providers.get(id);
        if (provider == null) {
            throw new NoSuchElementException("no provider '" + id + "' in the catalog");
        }
        return provider;
    }

    /** Every provider, ordered by id. */
    public Collection<Provider> providers() {
        return providers.values();
    }

    public int size() {
        return providers.size();
    }

    /** Where the provider's effective entry came from: the built-in resource or a deployment file path. */
    public String sourceOf(String id) {
        get(id);
        return sources.get(id);
    }

    /** Ids of built-in providers a deployment file replaced, in the order they were replaced. */
    public List<String> overriddenIds() {
        return overridden;
    }

    private static String loadFile(String source, JsonNode root, boolean builtIn, CatalogSchema schema,
            List<CatalogViolation> violations, Map<String, Provider> merged, Map<String, String> origin,
            List<String> replaced) {
        if (root == null || !root.isObject()) {
            violations.add(new CatalogViolation(source, null, "", "must be a mapping with 'providers'"));
            return null;
        }
        for (String key : root.propertyNames()) {
            if (!key.equals("catalogVersion") && !key.equals("providers")) {
                violations.add(new CatalogViolation(source, null, "/" + JsonPointers.escape(key), "unknown field"));
            }
        }
        String version = null;
        JsonNode versionNode = root.get("catalogVersion");
        if (versionNode == null) {
            if (builtIn) {
                violations.add(new CatalogViolation(source, null, "/catalogVersion", "is required"));
            }
        } else if (!versionNode.isString() || !VERSION.matcher(versionNode.stringValue()).matches()) {
            violations.add(new CatalogViolation(source, null, "/catalogVersion",
                    "must be a version string such as \"1.4.0\""));
        } else {
            version = versionNode.stringValue();
        }
        JsonNode entries = root.get("providers");
        if (entries == null || !entries.isObject()) {
            violations.add(new CatalogViolation(source, null, "/providers", "must be a mapping of provider id to entry"));
            return version;
        }
        for (Map.Entry<String, JsonNode> field : entries.properties()) {
            String id = field.getKey();
            if (!PROVIDER_ID.matcher(id).matches()) {
                violations.add(new CatalogViolation(source, id, "",
                        "provider id must be lower-case letters, digits and '-' (at most 63)"));
                continue;
            }
            Provider provider = loadEntry(source, id, field.getValue(), builtIn, schema, violations);
            if (provider == null) {
                continue;
            }
            if (merged.containsKey(id) && !builtIn) {
                replaced.add(id);
            }
            merged.put(id, provider);
            origin.put(id, source);
        }
        return version;
    }

    private static Provider loadEntry(String source, String id, JsonNode entry, boolean builtIn, CatalogSchema schema,
            List<CatalogViolation> violations) {
        List<CatalogSchema.FieldError> errors = schema.validate(entry);
        if (errors.isEmpty()) {
            errors = ProviderChecks.check(entry, builtIn);
        }
        if (!errors.isEmpty()) {
            errors.forEach(e -> violations.add(new CatalogViolation(source, id, e.pointer(), e.message())));
            return null;
        }
        return ProviderReader.read(id, entry);
    }

    private static JsonNode readBuiltIn() {
        try (InputStream in = ProviderCatalog.class.getClassLoader().getResourceAsStream(BUILT_IN_RESOURCE)) {
            if (in == null) {
                throw new CatalogException("built-in catalog " + BUILT_IN_RESOURCE + " is missing", null);
            }
            return YAML.readTree(in);
        } catch (IOException | JacksonException e) {
            throw new CatalogException("built-in catalog " + BUILT_IN_RESOURCE + " cannot be parsed: "
                    + e.getMessage(), e);
        }
    }

    private static List<Path> deploymentFiles(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new CatalogException("deployment catalog directory " + directory + " does not exist", null);
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            for (Path file : stream) {
                String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
                boolean catalogFile = name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json");
                if (catalogFile && !name.startsWith(".") && Files.isRegularFile(file)) {
                    files.add(file);
                }
            }
        } catch (IOException e) {
            throw new CatalogException("deployment catalog directory " + directory + " cannot be read", e);
        }
        files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return files;
    }

    private static JsonNode readFile(Path file) {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new CatalogException("catalog file " + file + " is larger than " + MAX_FILE_BYTES + " bytes",
                        null);
            }
            ObjectMapper mapper = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")
                    ? JSON
                    : YAML;
            try (InputStream in = Files.newInputStream(file)) {
                return mapper.readTree(in);
            }
        } catch (IOException | JacksonException e) {
            throw new CatalogException("catalog file " + file + " cannot be parsed: " + e.getMessage(), e);
        }
    }
}
