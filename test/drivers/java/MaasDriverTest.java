// maas from Java with the PostgreSQL JDBC driver (Debian libpostgresql-jdbc-java);
// prints TAP.  Connects to jdbc:postgresql://127.0.0.1:$PGPORT/$PGDATABASE as
// $PGUSER (JDBC has no Unix sockets), where maas and the datasets of data/
// are installed (test/suite/drivers.sh).
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;

public class MaasDriverTest {
	static int n = 0;

	static void check(boolean cond, String what) {
		n++;
		System.out.println((cond ? "ok " : "not ok ") + n + " - java: " + what);
	}

	static ResultSet query(Connection c, String sql, Object... params) throws SQLException {
		PreparedStatement ps = c.prepareStatement(sql);
		for (int i = 0; i < params.length; i++) {
			if (params[i] instanceof Double[])
				ps.setArray(i + 1, c.createArrayOf("float8", (Double[]) params[i]));
			else
				ps.setObject(i + 1, params[i]);
		}
		ResultSet rs = ps.executeQuery();
		rs.next();
		return rs;
	}

	static void expectError(Connection c, String sql, String sqlstate, String what, Object... params) {
		try {
			query(c, sql, params);
			check(false, what + ": no error");
		} catch (SQLException e) {
			check(sqlstate.equals(e.getSQLState()), what + ": SQLException " + e.getSQLState() + " (" + e.getMessage().split("\n")[0] + ")");
		}
	}

	public static void main(String[] args) throws Exception {
		String url = "jdbc:postgresql://127.0.0.1:" + System.getenv("PGPORT") + "/" + System.getenv("PGDATABASE");
		try (Connection c = DriverManager.getConnection(url, System.getenv("PGUSER"), "")) {
			ResultSet rs = query(c, "SELECT version, task FROM maas_train(?, ?, ?, ?, ?::jsonb)",
								 "java_iris", "logistic_regression", "iris", "species", "{\"C\": 10}");
			check(rs.getInt(1) == 1 && rs.getString(2).equals("multiclass"),
				  "maas_train returns version 1 of a multiclass model");

			// bound parameters: a float8[] from a Java array, a row from JSON
			Double[] setosa = { 5.1, 3.5, 1.4, 0.2 };
			rs = query(c, "SELECT maas_predict_class(?, ?)", "java_iris", setosa);
			check(rs.getString(1).equals("setosa"), "maas_predict_class of a Double[]: " + rs.getString(1));
			rs = query(c, "SELECT maas_predict_class(?, jsonb_populate_record(NULL::iris, ?::jsonb))", "java_iris",
					   "{\"sepal_length\": 7.7, \"sepal_width\": 3.0, \"petal_length\": 6.1, \"petal_width\": 2.3}");
			check(rs.getString(1).equals("virginica"), "maas_predict_class of a row: " + rs.getString(1));

			// _proba as a java.sql.Array of Double
			rs = query(c, "SELECT maas_predict_proba(?, ?)", "java_iris", setosa);
			Array arr = rs.getArray(1);
			Object o = arr.getArray();
			check(o instanceof Double[] && ((Double[]) o).length == 3,
				  "maas_predict_proba is a Double[3]: " + Arrays.toString((Object[]) o));
			Double[] proba = (Double[]) o;
			check(Math.abs(proba[0] + proba[1] + proba[2] - 1) < 1e-12 && proba[0] > proba[1] && proba[0] > proba[2],
				  "the probabilities sum to 1 and setosa (the first class) is the most likely");

			// download the model's bytes, predict from them inline
			rs = query(c, "SELECT model FROM maas.models WHERE name = ? AND version = 1", "java_iris");
			byte[] model = rs.getBytes(1);
			check(new String(model, 0, 4, "US-ASCII").equals("MAAS"),
				  "the model downloads as a byte[" + model.length + "] starting MAAS");
			rs = query(c, "SELECT maas_predict_proba(?::bytea, ?)", model, setosa);
			check(Arrays.equals((Double[]) rs.getArray(1).getArray(), proba),
				  "maas_predict_proba of the downloaded bytes equals the named model's");

			// a regression value: the same double as the server's text output
			query(c, "SELECT maas_train('java_diabetes', 'linear_regression', 'diabetes', 'progression') IS NOT NULL");
			Double[] x = { 59.0, 2.0, 32.1, 101.0, 157.0, 93.2, 38.0, 4.0, 4.8598, 87.0 };
			rs = query(c, "SELECT maas_predict(?, ?), maas_predict(?, ?)::text", "java_diabetes", x, "java_diabetes", x);
			check(rs.getDouble(1) == Double.parseDouble(rs.getString(2)), "maas_predict returns a double: " + rs.getDouble(1));

			// bad calls throw SQLException with the server's SQLSTATE
			expectError(c, "SELECT maas_predict(?, ?)", "42704", "an unknown model", "no_such_model", setosa);
			expectError(c, "SELECT maas_train('java_bad', 'logistic_regression', 'iris', 'species', ?::jsonb) IS NOT NULL",
						"22023", "a bad param", "{\"C\": \"high\"}");
			expectError(c, "SELECT maas_predict(?, ?)", "22000", "a wrong feature count", "java_iris", new Double[] { 1.0, 2.0 });
		}
		System.out.println("1.." + n);
	}
}
