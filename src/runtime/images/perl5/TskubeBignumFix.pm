# Loaded through PERL5OPT by the catalog's perl image. Debian bookworm's bignum 0.65 (perl 5.36)
# dies in bpi() for large precisions ("Can't use an undefined value as an ARRAY reference" in
# Math::BigInt::Calc) because Math::BigFloat downgrades its intermediate results to integers while
# bignum is in effect; perl 5.34's bignum, which the Jobs walkthrough's perl:5.34.0 image has, does
# not. bignum::bpi is wrapped to compute with downgrading off, and so is main's copy when
# `-Mbignum=bpi` already exported it (PERL5OPT's -M is processed after the command line's).
package TskubeBignumFix;
use strict;
use warnings;
# a perl without bignum (or a fixed one) is left alone
if (eval { require bignum; 1 } && defined &bignum::bpi) {
  no warnings 'redefine';
  my $bpi = \&bignum::bpi;
  my $fixed = sub ($) {
    my $down = Math::BigFloat->downgrade();
    Math::BigFloat->downgrade(undef);
    my $x = $bpi->(@_);
    Math::BigFloat->downgrade($down);
    return $x;
  };
  *bignum::bpi = $fixed;
  no strict 'refs';
  *{'main::bpi'} = $fixed if defined &main::bpi && \&main::bpi == $bpi;
}
1;
