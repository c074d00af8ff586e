using Npgsql;

namespace ModelRegistry.Platform;

/// <summary>The one way to make the process's <see cref="NpgsqlDataSource"/>.</summary>
public static class DataSources
{
    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        // The workers run the same few statements all day: let Npgsql prepare them on each
        // connection, which spares the server a parse and plan per statement.
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0) builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        return builder.Build();
    }
}
