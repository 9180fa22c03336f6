using System.Text.Json;
using System.Text.Json.Serialization;

namespace PptpGw.Load;

/// <summary>The <c>--json</c> form of a <see cref="LoadResult"/>: snake_case names, failure keys verbatim, nulls kept (null = not measured).</summary>
public static class LoadJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string Serialize(LoadResult result) => JsonSerializer.Serialize(result, Options);

    public static void Write(LoadResult result, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
            Directory.CreateDirectory(dir);
        File.WriteAllText(path, Serialize(result) + "\n");
    }
}
