/* flametop — entry point: dispatch to a face. */
#include "cli.h"
#include "record.h"
#include "sampler.h"

#include <locale.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	struct cli_options o;
	char err[1024] = "";
	int e;

	setlocale(LC_ALL, "");
	e = cli_parse(argc, argv, sampler_max_rate(), &o, err, sizeof(err));
	if (e) {
		if (err[0])
			fprintf(stderr, "flametop: %s\n", err);
		else
			fputs(cli_usage(), stderr);
		return 2;
	}
	switch (o.mode) {
	case CLI_HELP:
		fputs(cli_usage(), stdout);
		return 0;
	case CLI_VERSION:
		printf("flametop %s\n", FLAMETOP_VERSION);
		return 0;
	case CLI_RECORD:
		return record_run(&o);
	}
	return 2;
}
