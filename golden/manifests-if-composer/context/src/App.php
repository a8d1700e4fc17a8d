<?php
namespace Acme;
