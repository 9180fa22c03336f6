namespace PptpGw.Tests;

/// <summary>
/// Temporary directories for one test run, all under one root that is removed when the test process exits, so a run
/// leaves no spool or lab directories behind in /tmp (a test that crashes mid-way included).
/// </summary>
internal static class TestTemp
{
    private static readonly Lazy<DirectoryInfo> Root = new(CreateRoot);

    /// <summary>A new empty directory named <paramref name="prefix"/> plus a random suffix.</summary>
    public static string Directory(string prefix) =>
        System.IO.Directory.CreateDirectory(Path.Combine(Root.Value.FullName, prefix + Path.GetRandomFileName())).FullName;

    private static DirectoryInfo CreateRoot()
    {
        DirectoryInfo root = System.IO.Directory.CreateTempSubdirectory("pgw-tests-");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                root.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        };
        return root;
    }
}
