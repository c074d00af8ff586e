using System.Reflection;
using ModelRegistry.Deployments;
using ModelRegistry.Retention;
using ModelRegistry.Evaluation;
using ModelRegistry.Host;
using ModelRegistry.Platform;
using ModelRegistry.Promotion;
using ModelRegistry.Registration;
using NetArchTest.Rules;

namespace ModelRegistry.Components.Tests;

/// <summary>The module layout (docs/architecture.md, "Projects"), held by the compiled code rather than by good intentions.</summary>
public class Architecture_Specs
{
    private static readonly Assembly Platform = typeof(IRegistryModule).Assembly;
    private static readonly Assembly Host = typeof(ModuleCatalog).Assembly;

    private static readonly (string Namespace, Assembly Assembly)[] Modules =
    [
        ("ModelRegistry.Registration", typeof(RegistrationModule).Assembly),
        ("ModelRegistry.Evaluation", typeof(EvaluationModule).Assembly),
        ("ModelRegistry.Promotion", typeof(PromotionModule).Assembly),
        ("ModelRegistry.Deployments", typeof(DeploymentsModule).Assembly),
        ("ModelRegistry.Retention", typeof(RetentionModule).Assembly),
    ];

    private static readonly string[] ModuleNamespaces = Modules.Select(m => m.Namespace).ToArray();

    public static TheoryData<string> ModuleNames => new(Modules.Select(m => m.Namespace));

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void A_module_depends_on_no_other_module(string module)
    {
        var assembly = Modules.Single(m => m.Namespace == module).Assembly;
        var others = ModuleNamespaces.Where(n => n != module).ToArray();
        var referenced = assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain(referenced, n => others.Contains(n) || n == Host.GetName().Name);
        AssertHolds(Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(others).GetResult(), $"{module} uses another module");
    }

    [Fact]
    public void The_platform_depends_on_no_module()
    {
        Assert.DoesNotContain(Platform.GetReferencedAssemblies(), a => ModuleNamespaces.Contains(a.Name));
        AssertHolds(Types.InAssembly(Platform).ShouldNot().HaveDependencyOnAny(ModuleNamespaces).GetResult(), "the platform uses a module");
    }

    [Fact]
    public void Each_module_project_holds_exactly_one_module_and_the_catalog_lists_each_once()
    {
        foreach (var (_, assembly) in Modules)
            Assert.Single(assembly.GetTypes(), t => typeof(IRegistryModule).IsAssignableFrom(t) && !t.IsAbstract);
        var catalogued = ModuleCatalog.All.Select(m => m.GetType().Assembly).Where(a => a != Platform).ToList();
        Assert.Equal(Modules.Select(m => m.Assembly).OrderBy(a => a.FullName), catalogued.OrderBy(a => a.FullName));
        Assert.Equal(ModuleCatalog.All.Count, ModuleCatalog.All.Select(m => m.Name).Distinct().Count());
    }

    [Fact]
    public void Pure_rules_do_no_io_and_know_no_database_or_broker()
    {
        string[] io = ["Npgsql", "Dapper", "MassTransit", "System.IO", "System.Net", "Microsoft.Extensions.DependencyInjection"];
        foreach (var assembly in Modules.Select(m => m.Assembly).Append(Platform))
        {
            var rules = Types.InAssembly(assembly).That().ResideInNamespaceEndingWith(".Rules");
            Assert.NotEmpty(rules.GetTypes());
            AssertHolds(rules.ShouldNot().HaveDependencyOnAny(io).GetResult(), $"a rule in {assembly.GetName().Name} does I/O");
        }
    }

    [Fact]
    public void The_host_composes_modules_without_touching_their_insides()
    {
        // Only the catalog names modules; everything else in the host sees them as IRegistryModule.
        var result = Types.InAssembly(Host).That().DoNotHaveName(nameof(ModuleCatalog))
            .ShouldNot().HaveDependencyOnAny(ModuleNamespaces).GetResult();
        AssertHolds(result, "the host uses a module's insides");
        var catalogUses = typeof(ModuleCatalog).GetProperties().Select(p => p.PropertyType).Distinct();
        Assert.Equal([typeof(IReadOnlyList<IRegistryModule>)], catalogUses);
    }

    [Fact]
    public void No_worker_is_named_in_the_host_not_even_in_a_string()
    {
        var names = ModuleCatalog.All.Select(m => m.Name).ToList();
        Assert.DoesNotContain(UserStrings(Host), s => names.Any(n => System.Text.RegularExpressions.Regex.IsMatch(s, $@"\b{n}\b")));
        // The scan sees names where there are some.
        Assert.Contains(UserStrings(typeof(PromotionModule).Assembly), s => s == "promotion");
    }

    [Fact]
    public void The_cli_holds_no_sql_and_reads_through_the_modules_queries()
    {
        var cli = typeof(ModelRegistry.Cli.CliSettings).Assembly;
        Assert.DoesNotContain(cli.GetReferencedAssemblies(), a => a.Name == "Dapper");
        AssertHolds(Types.InAssembly(cli).ShouldNot().HaveDependencyOnAny("Dapper", "Npgsql.NpgsqlCommand", "Npgsql.NpgsqlBatch").GetResult(),
            "the CLI runs its own SQL");
        Assert.DoesNotContain(UserStrings(cli), s => System.Text.RegularExpressions.Regex.IsMatch(s, @"\b(FROM|INTO|UPDATE|JOIN)\s+registry\."));
        // The check itself sees SQL where there is some.
        Assert.Contains(UserStrings(typeof(PromotionQueries).Assembly), s => s.Contains("FROM registry.", StringComparison.Ordinal));
    }

    /// <summary>Every string literal compiled into <paramref name="assembly"/> (the #US heap).</summary>
    private static List<string> UserStrings(Assembly assembly)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        var strings = new List<string>();
        var handle = System.Reflection.Metadata.Ecma335.MetadataTokens.UserStringHandle(1);
        while (!handle.IsNil)
        {
            strings.Add(metadata.GetUserString(handle));
            handle = System.Reflection.Metadata.Ecma335.MetadataReaderExtensions.GetNextHandle(metadata, handle);
        }
        return strings;
    }

    private static void AssertHolds(TestResult result, string what) =>
        Assert.True(result.IsSuccessful, $"{what}: {string.Join(", ", result.FailingTypeNames ?? [])}");
}

public class OutboxMessageTypes_Specs
{
    [Fact]
    public void Every_contract_with_an_exchange_is_an_outbox_type_under_its_own_name_and_nothing_else_is()
    {
        var contracts = typeof(ModelRegistry.Contracts.ModelTrained).Assembly.GetTypes()
            .Where(t => t.GetCustomAttributes(typeof(MassTransit.EntityNameAttribute), false).Length > 0).ToList();
        Assert.True(contracts.Count >= 15, $"only {contracts.Count} contracts found");
        foreach (var type in contracts)
            Assert.Equal(type, ModelRegistry.Platform.Outbox.OutboxMessageTypes.TypeOf(ModelRegistry.Platform.Outbox.OutboxMessageTypes.NameOf(type)));
        Assert.Throws<ArgumentException>(() => ModelRegistry.Platform.Outbox.OutboxMessageTypes.NameOf(typeof(ModelRegistry.Contracts.ArtifactFile)));
        Assert.Throws<InvalidOperationException>(() => ModelRegistry.Platform.Outbox.OutboxMessageTypes.TypeOf("NoSuchEvent"));
    }
}
