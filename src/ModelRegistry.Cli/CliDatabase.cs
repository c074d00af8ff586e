using System.Net.Sockets;
using ModelRegistry.Platform;
using Npgsql;

namespace ModelRegistry.Cli;

/// <summary>Opens the registry database for a read command and turns its failures into one line and an exit code.</summary>
internal static class CliDatabase
{
    public const int ExitUnavailable = 3;

    public static async Task<int> ReadAsync(CliSettings settings, Func<NpgsqlConnection, Task<int>> read, CancellationToken ct)
    {
        await using var dataSource = settings.CreateDataSource();
        NpgsqlConnection connection;
        try
        {
            connection = await dataSource.OpenConnectionAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            // Preflight names the setting and the cause (refused login, missing database, unreachable host).
            var setting = $"{DatabaseOptions.Section}:ConnectionString";
            var problem = await Preflight.CheckDatabaseAsync(setting, settings.Database.ConnectionString, ct) ?? $"{setting}: {e.Message}";
            await Console.Error.WriteLineAsync($"mreg: {problem}");
            return ExitUnavailable;
        }
        await using (connection)
        {
            try
            {
                return await read(connection);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                await Console.Error.WriteLineAsync($"mreg: the database has no registry tables yet ({e.MessageText}): run `mreg db migrate`");
                return ExitUnavailable;
            }
        }
    }

    public static async Task<int> NotFoundAsync(string what)
    {
        await Console.Error.WriteLineAsync($"mreg: {what}");
        return 1;
    }
}
